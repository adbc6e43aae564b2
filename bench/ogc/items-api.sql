-- The statements the API sends for GET /ogc/collections/services/items?bbox=-84.15,9.88,-84.00,10.00&limit=100 (public
-- caller, no property filter: OgcFeatures.WritePublicPageAsync, PublicPageSql with the box, limit + 1 and offset written
-- in as the API writes them): the page of 100 rows and the one after it (which tells whether another page follows),
-- each with what a feature shows from its service, organization and location; then, for the whole page and in one
-- round trip, the categories of its services and the addresses of its locations (bench/ogc/run.sh writes in the page's
-- ids for @services and @locations). No count.
SELECT p.id, p.service_id, p.location_id, s.name, s.organization_id, o.name, s.status, s.minimum_age, s.maximum_age, s.languages,
       COALESCE(s.public_last_modified, s.last_modified), p.name, p.location_type, p.visibility, p.organization_id,
       ST_X(p.point::geometry), ST_Y(p.point::geometry), ST_X(p.public_point::geometry), ST_Y(p.public_point::geometry),
       s.is_demo OR p.is_demo
FROM (
    SELECT sal.id, sal.service_id, sal.location_id, l.name, l.location_type, l.visibility, l.organization_id, l.point, l.public_point, l.is_demo
    FROM service_at_location sal
    JOIN location l ON l.id = sal.location_id
    WHERE l.visibility <> 'hidden' AND l.public_point IS NOT NULL AND (in_bbox(l.public_point, -84.15, 9.88, -84, 10))
    ORDER BY sal.id
    LIMIT 101 OFFSET 0
) p
JOIN service s ON s.id = p.service_id
JOIN organization o ON o.id = s.organization_id
ORDER BY p.id;
SELECT a.service_id, t.code
FROM attribute a
JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
JOIN taxonomy x ON x.id = t.taxonomy_id
WHERE a.service_id = ANY(@services) AND x.name = 'referral-category';
SELECT a.location_id, a.address_1, a.city, a.postal_code, a.country
FROM address a
WHERE a.location_id = ANY(@locations)
ORDER BY a.location_id, a.id;
