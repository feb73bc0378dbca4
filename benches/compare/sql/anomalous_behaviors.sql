SELECT "AccountUpn", COUNT(*) AS "Behaviors", SUM("ActivityCount") AS "Activities"
FROM "DataSecurityBehaviors"
WHERE "IsAnomalous" = true AND "ActivityCount" >= 15
GROUP BY "AccountUpn"
ORDER BY "Activities" DESC
