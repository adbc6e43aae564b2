-- The statement the API sends for GET /ogc/collections/services/items?bbox=-84.15,9.88,-84.00,10.00&limit=100 (public
-- caller), as EF Core logs it (Logging__LogLevel__Microsoft.EntityFrameworkCore.Database.Command=Information), with its
-- parameters written in (the box is a literal in the API's SQL too, the offset and limit are parameters): the page of
-- 100 rows and the one after it (which tells whether another page follows), each with what a feature shows from its
-- service, organization and location; then, for the whole page, the categories of its services and the addresses of
-- its locations (two statements; bench/ogc/run.sh writes in the page's ids for @services and @locations). No count.
SELECT s1.id, s1.service_id, s1.location_id, s0.name, s0.organization_id, o.name, s0.status, s0.minimum_age, s0.maximum_age, s0.languages, COALESCE(s0.public_last_modified, s0.last_modified), s1.name, s1.location_type, s1.visibility, s1.organization_id, s1.point, s1.public_point, s0.is_demo OR s1.is_demo
FROM (
    SELECT s.id, s.location_id, s.service_id, l.is_demo, l.location_type, l.name, l.organization_id, l.point, l.public_point, l.visibility
    FROM service_at_location AS s
    INNER JOIN location AS l ON s.location_id = l.id
    WHERE (l.visibility <> 'hidden' OR l.visibility = 'public') AND l.public_point IS NOT NULL AND in_bbox(l.public_point, -84.150000000000006, 9.8800000000000008, -84.0, 10.0)
    ORDER BY s.id
    LIMIT 101 OFFSET 0
) AS s1
INNER JOIN service AS s0 ON s1.service_id = s0.id
INNER JOIN organization AS o ON s0.organization_id = o.id
ORDER BY s1.id;
SELECT a.service_id AS "ServiceId", t.code AS "Code"
FROM attribute AS a
INNER JOIN taxonomy_term AS t ON a.taxonomy_term_id = t.id
INNER JOIN taxonomy AS t0 ON t.taxonomy_id = t0.id
WHERE a.service_id = ANY (@services) AND t0.name = 'referral-category';
SELECT a.location_id, a.address_1, a.city, a.postal_code, a.country
FROM address AS a
WHERE a.location_id = ANY (@locations)
ORDER BY a.location_id, a.id;
