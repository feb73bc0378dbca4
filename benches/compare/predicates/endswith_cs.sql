SELECT count(*) FROM "DataSecurityEvents" WHERE ends_with("ActionType", 'Printed')
