SELECT count(*) FROM "DataSecurityEvents" WHERE starts_with(lower("ActionType"), 'filec')
