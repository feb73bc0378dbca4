SELECT count(*) FROM "DataSecurityEvents" WHERE ends_with(lower("ActionType"), 'printed')
