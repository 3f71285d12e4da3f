/**
 * A database's schema read back from the PostgreSQL catalogs as sorted, normalized lines, one
 * section per kind of object, so two databases built different ways (the local stack's migrator,
 * `supabase db push`) can be compared object by object. No OIDs, no data, nothing that depends on
 * creation order except what changes behaviour (column positions).
 */
import { withClient } from "./database.ts";

export type Catalog = Record<string, string[]>;

/** Schemas of the database's own: not PostgreSQL's, not temporary ones. */
const OWN_SCHEMA = `n.nspname not in ('pg_catalog', 'information_schema')
  and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'`;

/** Objects an extension created belong to the extension (compared as its name and version). */
const NOT_FROM_EXTENSION = (classid: string, oid: string) =>
  `not exists (select 1 from pg_depend d where d.classid = '${classid}'::regclass
     and d.objid = ${oid} and d.deptype = 'e')`;

const SECTIONS: Record<string, string> = {
  schemas: `
    select n.nspname || ' owner=' || pg_get_userbyid(n.nspowner)
      from pg_namespace n where ${OWN_SCHEMA}`,
  extensions: `
    select e.extname || ' ' || e.extversion || ' in ' || n.nspname
      from pg_extension e join pg_namespace n on n.oid = e.extnamespace`,
  tables: `
    select n.nspname || '.' || c.relname || ' kind=' || c.relkind::text
           || ' owner=' || pg_get_userbyid(c.relowner)
           || ' rls=' || c.relrowsecurity || ' force_rls=' || c.relforcerowsecurity
           || coalesce(' options=' || array_to_string(c.reloptions, ','), '')
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where ${OWN_SCHEMA} and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
       and ${NOT_FROM_EXTENSION("pg_class", "c.oid")}`,
  columns: `
    select n.nspname || '.' || c.relname || ' #'
           || row_number() over (partition by c.oid order by a.attnum) || ' ' || a.attname
           || ' ' || format_type(a.atttypid, a.atttypmod)
           || case when a.attnotnull then ' not null' else '' end
           || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
           || case a.attidentity when '' then '' else ' identity=' || a.attidentity::text end
           || case a.attgenerated when '' then '' else ' generated=' || a.attgenerated::text end
           || coalesce(' collate ' || nullif(co.collname, 'default'), '')
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
      left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
      left join pg_collation co on co.oid = a.attcollation
     where ${OWN_SCHEMA} and c.relkind in ('r', 'p', 'v', 'm', 'f')
       and a.attnum > 0 and not a.attisdropped
       and ${NOT_FROM_EXTENSION("pg_class", "c.oid")}`,
  constraints: `
    select n.nspname || '.' || c.relname || ' ' || k.conname || ': '
           || pg_get_constraintdef(k.oid, true)
           || case when k.condeferrable then ' deferrable' else '' end
      from pg_constraint k
      join pg_class c on c.oid = k.conrelid
      join pg_namespace n on n.oid = c.relnamespace
     where ${OWN_SCHEMA}`,
  indexes: `
    select pg_get_indexdef(i.indexrelid)
      from pg_index i
      join pg_class c on c.oid = i.indrelid
      join pg_namespace n on n.oid = c.relnamespace
     where ${OWN_SCHEMA}`,
  policies: `
    select p.schemaname || '.' || p.tablename || ' ' || p.policyname || ' ' || p.permissive
           || ' for ' || p.cmd || ' to ' || array_to_string(p.roles, ',')
           || coalesce(' using (' || p.qual || ')', '')
           || coalesce(' with check (' || p.with_check || ')', '')
      from pg_policies p`,
  table_grants: `
    select n.nspname || '.' || c.relname || ' ' || x.privilege_type || ' to '
           || case x.grantee when 0 then 'public' else pg_get_userbyid(x.grantee) end
           || case when x.is_grantable then ' with grant option' else '' end
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      cross join lateral aclexplode(coalesce(c.relacl, acldefault(
        (case when c.relkind = 'S' then 's' else 'r' end)::"char", c.relowner))) x
     where ${OWN_SCHEMA} and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
       and ${NOT_FROM_EXTENSION("pg_class", "c.oid")}`,
  column_grants: `
    select n.nspname || '.' || c.relname || '.' || a.attname || ' ' || x.privilege_type || ' to '
           || case x.grantee when 0 then 'public' else pg_get_userbyid(x.grantee) end
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
      cross join lateral aclexplode(a.attacl) x
     where ${OWN_SCHEMA} and a.attacl is not null`,
  schema_grants: `
    select n.nspname || ' ' || x.privilege_type || ' to '
           || case x.grantee when 0 then 'public' else pg_get_userbyid(x.grantee) end
      from pg_namespace n
      cross join lateral aclexplode(coalesce(n.nspacl, acldefault('n'::"char", n.nspowner))) x
     where ${OWN_SCHEMA}`,
  function_grants: `
    select p.oid::regprocedure::text || ' ' || x.privilege_type || ' to '
           || case x.grantee when 0 then 'public' else pg_get_userbyid(x.grantee) end
      from pg_proc p
      join pg_namespace n on n.oid = p.pronamespace
      cross join lateral aclexplode(coalesce(p.proacl, acldefault('f'::"char", p.proowner))) x
     where ${OWN_SCHEMA} and ${NOT_FROM_EXTENSION("pg_proc", "p.oid")}`,
  default_privileges: `
    select pg_get_userbyid(d.defaclrole) || ' in ' || coalesce(n.nspname, '*') || ' on '
           || d.defaclobjtype::text || ': ' || array_to_string(d.defaclacl, ',')
      from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace`,
  functions: `
    select p.oid::regprocedure::text || ' owner=' || pg_get_userbyid(p.proowner) || E'\\n'
           || pg_get_functiondef(p.oid)
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where ${OWN_SCHEMA} and p.prokind in ('f', 'p', 'w')
       and ${NOT_FROM_EXTENSION("pg_proc", "p.oid")}`,
  triggers: `
    select pg_get_triggerdef(t.oid, true)
           || case t.tgenabled when 'O' then '' else ' enabled=' || t.tgenabled::text end
      from pg_trigger t
      join pg_class c on c.oid = t.tgrelid
      join pg_namespace n on n.oid = c.relnamespace
     where ${OWN_SCHEMA} and not t.tgisinternal`,
  views: `
    select n.nspname || '.' || c.relname || ': ' || pg_get_viewdef(c.oid, true)
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where ${OWN_SCHEMA} and c.relkind in ('v', 'm')`,
  types: `
    select n.nspname || '.' || t.typname || ' ' || t.typtype::text
           || coalesce(' (' || (select string_agg(e.enumlabel, ',' order by e.enumsortorder)
                                  from pg_enum e where e.enumtypid = t.oid) || ')', '')
      from pg_type t join pg_namespace n on n.oid = t.typnamespace
     where ${OWN_SCHEMA} and t.typtype in ('e', 'd', 'c')
       and not exists (select 1 from pg_class c where c.oid = t.typrelid and c.relkind <> 'c')
       and ${NOT_FROM_EXTENSION("pg_type", "t.oid")}`,
};

export const CATALOG_SECTIONS = Object.keys(SECTIONS);

export async function readCatalog(dbUrl: string): Promise<Catalog> {
  return await withClient(dbUrl, async (client) => {
    const catalog: Catalog = {};
    for (const [section, sql] of Object.entries(SECTIONS)) {
      const { rows } = await client.query<{ line: string }>(
        `select line from (${sql}) as lines(line)`,
      );
      catalog[section] = rows.map((row) => row.line).sort();
    }
    return catalog;
  });
}

/**
 * What differs between two catalogs, section by section, as lines a reader can act on; empty when
 * they are the same. Multi-line entries (function bodies) are shown whole.
 */
export function diffCatalogs(
  a: Catalog,
  b: Catalog,
  labels: [string, string] = ["a", "b"],
): string {
  const out: string[] = [];
  for (const section of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const left = new Set(a[section] ?? []);
    const right = new Set(b[section] ?? []);
    const onlyLeft = [...left].filter((line) => !right.has(line));
    const onlyRight = [...right].filter((line) => !left.has(line));
    if (onlyLeft.length === 0 && onlyRight.length === 0) continue;
    out.push(`## ${section}`);
    for (const line of onlyLeft) out.push(`- only in ${labels[0]}: ${line}`);
    for (const line of onlyRight) out.push(`+ only in ${labels[1]}: ${line}`);
  }
  return out.join("\n");
}
