SELECT count(*) FROM "DataSecurityEvents" WHERE ends_with(lower("AccountUpn"), '70151@contoso.com')
