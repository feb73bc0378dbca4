SELECT count(*) FROM "DataSecurityEvents" WHERE "ActionType" = 'FilePrinted'
