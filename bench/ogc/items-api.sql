-- The statement the API sends for GET /ogc/collections/services/items?bbox=-84.15,9.88,-84.00,10.00&limit=100 (public
-- caller), as EF Core logs it (Logging__LogLevel__Microsoft.EntityFrameworkCore.Database.Command=Information), with its
-- parameters written in (the box is a literal in the API's SQL too, the offset and limit are parameters): the page of 100 rows and the one after it (which tells whether another page follows), each
-- with what a feature shows (service, organization, categories joined per row, the first address). No count.
SELECT s1.id, s1.service_id, s1.location_id, s0.name, s0.organization_id, o.name, s0.status, s0.minimum_age, s0.maximum_age, s0.languages, COALESCE(s0.public_last_modified, s0.last_modified), s1.id0, s0.id, o.id, s2.code, s2.id, s2.id0, s2.id1, s1.name, s1.location_type, s1.visibility, s1.organization_id, s1.point, s1.public_point, s0.is_demo OR s1.is_demo, (
    SELECT a0.address_1
    FROM address AS a0
    WHERE s1.id0 = a0.location_id
    ORDER BY a0.id
    LIMIT 1), (
    SELECT a1.city
    FROM address AS a1
    WHERE s1.id0 = a1.location_id
    ORDER BY a1.id
    LIMIT 1), (
    SELECT a2.postal_code
    FROM address AS a2
    WHERE s1.id0 = a2.location_id
    ORDER BY a2.id
    LIMIT 1), (
    SELECT a3.country
    FROM address AS a3
    WHERE s1.id0 = a3.location_id
    ORDER BY a3.id
    LIMIT 1)
FROM (
    SELECT s.id, s.location_id, s.service_id, l.id AS id0, l.is_demo, l.location_type, l.name, l.organization_id, l.point, l.public_point, l.visibility
    FROM service_at_location AS s
    INNER JOIN location AS l ON s.location_id = l.id
    WHERE (l.visibility <> 'hidden' OR l.visibility = 'public') AND l.public_point IS NOT NULL AND in_bbox(l.public_point, -84.150000000000006, 9.8800000000000008, -84.0, 10.0)
    ORDER BY s.id
    LIMIT 101 OFFSET 0
) AS s1
INNER JOIN service AS s0 ON s1.service_id = s0.id
INNER JOIN organization AS o ON s0.organization_id = o.id
LEFT JOIN (
    SELECT t.code, a.id, t.id AS id0, t0.id AS id1, a.service_id
    FROM attribute AS a
    INNER JOIN taxonomy_term AS t ON a.taxonomy_term_id = t.id
    INNER JOIN taxonomy AS t0 ON t.taxonomy_id = t0.id
    WHERE t0.name = 'referral-category'
) AS s2 ON s0.id = s2.service_id
ORDER BY s1.id, s1.id0, s0.id, o.id, s2.id, s2.id0;
