SELECT "AccountUpn", COUNT(*) AS "Files", SUM("ObjectSize") AS "Bytes"
FROM "DataSecurityEvents"
WHERE "Timestamp" > TIMESTAMP '2025-09-21 00:00:00'
  AND "ActionType" IN ('FileUploadedToCloud', 'FileCopiedToRemovableMedia')
GROUP BY "AccountUpn"
ORDER BY "Bytes" DESC
LIMIT 2
