SELECT count(*) FROM "DataSecurityEvents" WHERE regexp_matches("ActionType", 'Removable(Media)?$')
