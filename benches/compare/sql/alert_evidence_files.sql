WITH alert_files AS (
  SELECT DISTINCT v."AccountUpn", v."FileName"
  FROM "AlertInfo" i JOIN "AlertEvidence" v ON i."AlertId" = v."AlertId"
  WHERE i."ServiceSource" = 'Microsoft Insider Risk Management' AND i."Category" = 'Exfiltration'
    AND v."EntityType" = 'File'
)
SELECT e."AccountUpn", COUNT(*) AS "Events", COUNT(DISTINCT e."ObjectName") AS "Files"
FROM "DataSecurityEvents" e JOIN alert_files f ON e."AccountUpn" = f."AccountUpn" AND e."ObjectName" = f."FileName"
GROUP BY e."AccountUpn"
ORDER BY "Events" DESC
