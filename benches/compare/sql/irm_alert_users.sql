SELECT v."AccountUpn", COUNT(DISTINCT i."AlertId") AS "Alerts", MIN(i."Timestamp") AS "FirstAlert"
FROM "AlertInfo" i JOIN "AlertEvidence" v ON i."AlertId" = v."AlertId"
WHERE i."ServiceSource" = 'Microsoft Insider Risk Management' AND i."Category" = 'Exfiltration'
  AND v."EntityType" = 'User'
GROUP BY v."AccountUpn"
ORDER BY "FirstAlert"
