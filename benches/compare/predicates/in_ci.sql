SELECT count(*) FROM "DataSecurityEvents" WHERE lower("ActionType") IN ('fileprinted', 'emailsent')
