-- The bare PostGIS query behind GET /ogc/collections/services/items?bbox=…&limit=100 (public view): an index (&&)
-- box select on the public point, 100 rows in id order, each with what a feature carries. No count, no JSON.
SELECT sal.id, s.name, o.name, s.status, ST_X(l.public_point::geometry), ST_Y(l.public_point::geometry)
FROM service_at_location sal
JOIN location l ON l.id = sal.location_id
JOIN service s ON s.id = sal.service_id
JOIN organization o ON o.id = s.organization_id
WHERE l.public_point::geometry && ST_MakeEnvelope(-84.15, 9.88, -84.00, 10.00, 4326)
ORDER BY sal.id
LIMIT 100;
