SELECT count(*) FROM "DataSecurityEvents" WHERE contains(lower("ObjectName"), 'report')
