WITH downgrades AS (
  SELECT "AccountUpn", "ObjectName", "Timestamp" AS "DowngradedAt"
  FROM "DataSecurityEvents" WHERE "ActionType" = 'SensitivityLabelDowngraded'
), exfil AS (
  SELECT "AccountUpn", "ObjectName", "Timestamp" AS "ExfiltratedAt"
  FROM "DataSecurityEvents"
  WHERE "ActionType" IN ('FileUploadedToCloud', 'FileCopiedToRemovableMedia', 'EmailSent')
)
SELECT x."AccountUpn", COUNT(DISTINCT x."ObjectName") AS "Files", MIN(d."DowngradedAt") AS "First", MAX(x."ExfiltratedAt") AS "Last"
FROM exfil x JOIN downgrades d ON x."AccountUpn" = d."AccountUpn" AND x."ObjectName" = d."ObjectName"
WHERE x."ExfiltratedAt" >= d."DowngradedAt" AND x."ExfiltratedAt" <= d."DowngradedAt" + INTERVAL '1 day'
GROUP BY x."AccountUpn"
HAVING COUNT(DISTINCT x."ObjectName") >= 5
