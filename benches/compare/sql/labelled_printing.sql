SELECT "AccountUpn", SUM("Files") AS "Files", COUNT(*) AS "Days"
FROM (
  SELECT "AccountUpn", date_trunc('day', "Timestamp") AS "Day", COUNT(*) AS "Files"
  FROM "DataSecurityEvents"
  WHERE "ActionType" = 'FilePrinted'
    AND "SensitivityLabelId" IN ('8ad3cc82-c6e4-4d64-bd95-bad52d1d2bb8', '0b7fb9c5-4b2e-49a4-8a1f-9cc5e6d9a39a')
  GROUP BY "AccountUpn", date_trunc('day', "Timestamp")
  HAVING COUNT(*) >= 10
) d
GROUP BY "AccountUpn"
ORDER BY "Files" DESC
