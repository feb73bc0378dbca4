SELECT count(*) FROM "DataSecurityEvents" WHERE NOT contains(lower(coalesce("ActionType", '')), 'print')
