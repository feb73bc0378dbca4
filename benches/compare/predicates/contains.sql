SELECT count(*) FROM "DataSecurityEvents" WHERE contains(lower("ActionType"), 'print')
