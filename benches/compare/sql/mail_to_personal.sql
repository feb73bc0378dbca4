SELECT "SenderFromAddress" AS "AccountUpn", COUNT(*) AS "Mails", COUNT(DISTINCT "RecipientEmailAddress") AS "Recipients"
FROM "EmailEvents"
WHERE "EmailDirection" = 'Outbound' AND "AttachmentCount" > 0
  AND lower("RecipientDomain") IN ('gmail.com', 'outlook.com', 'yahoo.com', 'proton.me')
GROUP BY "SenderFromAddress"
HAVING COUNT(*) >= 10
