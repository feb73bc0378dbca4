SELECT count(*) FROM "DataSecurityEvents" WHERE lower(coalesce("ActionType", '')) <> 'fileprinted'
