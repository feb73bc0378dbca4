SELECT "ActionType", sum(json_array_length("SensitiveInfoTypeInfo")) AS "Items" FROM "DataSecurityEvents" WHERE "SensitiveInfoTypeInfo" IS NOT NULL AND "SensitiveInfoTypeInfo" <> '' GROUP BY 1
