SELECT count(*) FROM "DataSecurityEvents" WHERE regexp_matches(lower(coalesce("SiteUrl", '')), '(^|[^a-z0-9])sharepoint([^a-z0-9]|$)')
