-- The public page of OGC services (OgcFeatures.WritePublicPageAsync; bench/ogc/run.sh times this very file, its
-- placeholders written in): a box and a page, no property filter, read from ogc_service_feature (migration
-- AddOgcServiceFeatures: one row per service at a location the public may list, with what its public feature shows,
-- kept at the commit of every write). The page's rows and the one after it (which tells whether another page follows),
-- in id order; the box selects on the public point. No count, no join.
-- Placeholders, written in as literals (never parameters: PostgreSQL then plans the statement for this box and page):
-- @box (the box test: "f.public_point && ST_MakeEnvelope(minLon, minLat, maxLon, maxLat, 4326)", two of them joined by
-- OR across the antimeridian, or "true"), @limit (the page's limit + 1), @offset.
SELECT f.id, f.service_id, f.location_id, f.service_name, f.organization_id, f.organization_name, f.status,
       f.minimum_age, f.maximum_age, f.languages, f.last_modified, f.location_name, f.location_type, f.visibility,
       f.longitude, f.latitude, f.categories, f.address_1, f.city, f.postal_code, f.country, f.demo
FROM ogc_service_feature f
WHERE @box
ORDER BY f.id
LIMIT @limit OFFSET @offset
