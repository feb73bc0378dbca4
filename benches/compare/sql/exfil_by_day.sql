SELECT "AccountUpn", COUNT(*) AS "Days", MAX("Events") AS "Peak", SUM("Events") AS "Events"
FROM (
  SELECT "AccountUpn", date_trunc('day', "Timestamp") AS "Day", COUNT(*) AS "Events"
  FROM "DataSecurityEvents"
  WHERE "ActionType" IN ('FileUploadedToCloud', 'FileCopiedToRemovableMedia', 'FilePrinted', 'EmailSent')
  GROUP BY "AccountUpn", date_trunc('day', "Timestamp")
  HAVING COUNT(*) >= 25
) d
GROUP BY "AccountUpn"
ORDER BY "Events" DESC
