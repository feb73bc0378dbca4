SELECT f."AccountUpn", f."DeviceName", i."Department", i."JobTitle", i."IsAccountEnabled", f."Files", f."Bytes"
FROM (
  SELECT "InitiatingProcessAccountUpn" AS "AccountUpn", "DeviceName", COUNT(*) AS "Files", SUM("FileSize") AS "Bytes"
  FROM "DeviceFileEvents"
  WHERE "Timestamp" > TIMESTAMP '2025-09-17 00:00:00' AND "ActionType" = 'FileCreated'
    AND starts_with(lower("FolderPath"), 'e:\')
  GROUP BY "InitiatingProcessAccountUpn", "DeviceName"
  HAVING COUNT(*) >= 50
) f JOIN "IdentityInfo" i ON f."AccountUpn" = i."AccountUpn"
