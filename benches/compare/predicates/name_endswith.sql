SELECT count(*) FROM "DataSecurityEvents" WHERE ends_with(lower("ObjectName"), '.zip')
