SELECT count(*) FROM "DataSecurityEvents" WHERE lower("ActionType") = 'fileprinted'
