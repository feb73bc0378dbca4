SELECT count(*) FROM "DataSecurityEvents" WHERE regexp_matches("ObjectName", '^Price List_\d+\.xlsx$')
