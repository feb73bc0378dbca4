SELECT lower("ActionType") AS a, count(*) AS n FROM "DataSecurityEvents" GROUP BY a ORDER BY a
