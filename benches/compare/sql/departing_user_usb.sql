SELECT e."AccountUpn", COUNT(*) AS "Files", COUNT(DISTINCT e."RemovableMediaSerialNumber") AS "Devices",
       MIN(e."Timestamp") AS "First", MAX(e."Timestamp") AS "Last"
FROM "DataSecurityEvents" e
WHERE e."Timestamp" > TIMESTAMP '2025-09-17 00:00:00'
  AND e."ActionType" = 'FileCopiedToRemovableMedia'
  AND e."AccountUpn" IN (SELECT "AccountUpn" FROM "IdentityInfo" WHERE "IsAccountEnabled" = false)
GROUP BY e."AccountUpn"
HAVING COUNT(*) >= 50
ORDER BY "Files" DESC
