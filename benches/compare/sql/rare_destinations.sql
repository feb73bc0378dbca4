SELECT lower("ExternalUrlDomains") AS "Domain", MIN("AccountUpn") AS "AccountUpn", COUNT(*) AS "Files"
FROM "DataSecurityEvents"
WHERE "ActionType" = 'FileUploadedToCloud' AND "ExternalUrlDomains" IS NOT NULL AND "ExternalUrlDomains" <> ''
GROUP BY lower("ExternalUrlDomains")
HAVING COUNT(DISTINCT "AccountUpn") = 1
