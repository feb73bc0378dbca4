SELECT "AccountUpn", COUNT(*) AS "Files", SUM("ObjectSize") AS "Bytes"
FROM "DataSecurityEvents"
WHERE "Timestamp" > TIMESTAMP '2025-09-24 00:00:00'
  AND "ActionType" = 'FileUploadedToCloud'
  AND lower("ExternalUrlDomains") IN ('drive.google.com', 'dropbox.com', 'www.dropbox.com', 'box.com', 'wetransfer.com', 'mega.nz', 'onedrive.live.com')
  AND lower("ObjectName") LIKE '%.zip'
GROUP BY "AccountUpn"
HAVING COUNT(*) >= 10
ORDER BY "Files" DESC
