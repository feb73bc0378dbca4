SELECT count(*) FROM "DataSecurityEvents" WHERE lower("DeviceName") = 'ypatel107625-lt107626.contoso.com'
