SELECT "AccountUpn", COUNT(*) AS "Files"
FROM "DataSecurityEvents"
WHERE "ActionType" = 'FileUploadedToCloud'
  AND lower("ExternalUrlDomains") = 'mail.google.com'
  AND "SensitivityLabelId" = '8ad3cc82-c6e4-4d64-bd95-bad52d1d2bb8'
GROUP BY "AccountUpn"
ORDER BY "Files" DESC
