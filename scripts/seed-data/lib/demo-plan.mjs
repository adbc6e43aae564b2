// Where the demo services are: one row per town (GeoNames id), listing service kinds (see demo-kinds.mjs)
// with optional options. The Central Valley is dense; rural provinces are deliberately sparse, and the
// far south, the northern border and the southern Caribbean have no police, shelter or legal aid within
// 40 km, so gap analysis has something to find.
//
// Options: visibility (public | approximate | hidden), status, hours, languages, group (services with the
// same group share one service record and get several locations), groupName, area (province code list).

export const TOURIST_TOWNS = new Set([
  3621849, // San José
  3623076, // Liberia
  3621607, // Santa Cruz
  3623369, // Jacó
  3623716, // La Fortuna
  3622193, // Quepos
  3621990, // Sámara
  3622228, // Puntarenas
  3622247, // Limón
]);

export const PLAN = [
  // ---------------- Central Valley: San José ----------------
  [3621849, // San José (capital)
    'police_unit', 'trafficking_unit', 'cyber_unit', 'prosecutor', 'family_court',
    'forensic_interview', 'forensic_medical', 'pani_office', 'pani_emergency', 'municipal_office',
    'hospital_unit', 'victim_clinic_health', 'victim_clinic_psy', 'mental_health', 'community_psy',
    'boys_group', 'youth_center', 'caregiver_group', 'legal_clinic', 'victim_lawyer', 'pro_bono',
    'victim_accompaniment', 'private_psy', 'migrant_support', 'migrant_legal',
    ['shelter_refugio', { visibility: 'hidden' }],
    ['shelter_luz', { visibility: 'public' }],
    ['shelter_women', { visibility: 'hidden', regionLabel: 'Central, sede 1' }],
    ['night_outreach', { hours: 'night_weekend' }],
    'online_safety_center'],
  [3621717, 'legal_clinic', 'univ_clinic', 'youth_center', 'clinic', 'girls_group'], // San Pedro
  [3623977, 'clinic', 'private_psy', 'municipal_office'], // Curridabat
  [6612154, ['shelter_refugio', { visibility: 'approximate' }], 'clinic', 'municipal_office'], // San Vicente de Moravia
  [3623593, 'pani_office', 'clinic', 'youth_center'], // Guadalupe
  [3622217, 'community_psy', ['municipal_office', { status: 'inactive' }]], // Purral
  [3623394, 'clinic', 'caregiver_group'], // Ipís
  [3621819, 'police_unit', 'clinic', 'pani_office'], // San Juan (Tibás)
  [3624174, 'community_psy'], // Colima
  [3624509, 'clinic'], // Calle Blancos
  [3621753, 'police_unit', 'pani_office', 'clinic', 'community_psy', 'municipal_office', 'victim_clinic_health'], // San Miguel (Desamparados)
  [3621655, 'caregiver_group'], // San Rafael Arriba
  [3621804, 'clinic'], // San Juan de Dios
  [3622507, 'clinic'], // Patarrá
  [3624848, 'clinic', 'municipal_office', 'community_psy'], // Aserrí
  [3624951, 'pani_office', 'clinic', 'youth_center', 'caregiver_group'], // Alajuelita
  [3621922, 'clinic'], // San Felipe
  [3623787, 'pro_bono', 'private_psy', 'municipal_office'], // Escazú
  [3621689, 'clinic'], // San Rafael (Escazú)
  [3621630, 'clinic', 'municipal_office'], // Santa Ana
  [3624171, 'clinic'], // Colón
  [3621335, 'clinic'], // Tejar
  [3621659, 'clinic'], // San Rafael Abajo
  [3622023, ['univ_clinic', { status: 'inactive' }]], // Sabanilla
  [3623643, 'clinic'], // Granadilla
  [3621524, 'clinic', 'pani_office'], // Santiago (Puriscal)
  [3621762, 'clinic', 'pani_office'], // San Marcos (Tarrazú)
  // ---------------- Central Valley: Heredia ----------------
  [3623486, // Heredia
    'police_unit', 'prosecutor', 'family_court', 'forensic_interview', 'pani_office', 'hospital_unit',
    'legal_clinic', 'univ_clinic', 'community_psy', 'youth_center', 'caregiver_group',
    'victim_accompaniment', 'mental_health', 'victim_clinic_psy',
    ['shelter_women', { visibility: 'hidden', regionLabel: 'Central, sede 2' }]],
  [3621911, 'clinic', 'municipal_office', 'community_psy'], // San Francisco
  [3622881, 'clinic'], // Mercedes
  [3621729, 'clinic', 'youth_center'], // San Pablo
  [3621515, 'clinic', 'caregiver_group'], // Santo Domingo
  [3621967, 'clinic', 'municipal_office'], // San Antonio (Belén)
  [3621683, 'clinic'], // San Rafael
  [3621831, 'private_psy'], // San Josecito
  [3623032, 'clinic'], // Llorente
  // ---------------- Central Valley: Alajuela ----------------
  [3624955, // Alajuela
    'police_unit', 'prosecutor', 'family_court', 'pani_office', 'hospital_unit', 'legal_clinic',
    'victim_lawyer', 'community_psy', 'youth_center', 'migrant_support', 'mental_health',
    'victim_accompaniment', 'caregiver_group', 'girls_group', 'clinic'],
  [3624379, 'clinic'], // Carrillos
  [3622074, 'clinic', 'municipal_office'], // Río Segundo
  [3621817, 'clinic'], // San Juan
  [3623935, 'clinic'], // Desamparados (Alajuela)
  [3622751, 'clinic', 'pani_office'], // Naranjo
  [3621644, 'police_unit', 'pani_office', 'hospital_unit', 'legal_clinic', 'univ_clinic', 'clinic'], // San Ramón
  [3624842, 'clinic'], // Atenas
  [3622660, 'clinic', 'pani_office'], // Orotina
  [3620994, 'clinic'], // Zarcero
  [3621495, 'clinic'], // Sarchí
  // ---------------- Central Valley: Cartago ----------------
  [3624370, // Cartago
    'police_unit', 'prosecutor', 'family_court', 'pani_office', 'hospital_unit', 'legal_clinic',
    ['community_psy', { status: 'temporarily closed' }], 'youth_center', 'caregiver_group',
    ['shelter_luz', { visibility: 'approximate' }], 'victim_accompaniment', 'clinic', 'victim_clinic_health'],
  [3622547, 'clinic', 'pani_office', 'municipal_office'], // Paraíso
  [3621224, 'clinic', ['municipal_office', { status: 'inactive' }]], // Tres Ríos
  [3621926, 'clinic'], // San Diego
  [3624142, 'community_psy'], // Concepción
  [3621184, // Turrialba
    'police_unit', 'pani_office', 'hospital_unit', 'univ_clinic', 'caregiver_group',
    ['indigenous_outreach', { languages: ['es', 'cjp'] }]],
  [3622663, 'clinic'], // Orosí
  [3622648, 'clinic'], // Pacayas
  // ---------------- Guanacaste (rural) ----------------
  [3623076, // Liberia
    'police_unit', 'prosecutor', 'family_court', 'pani_office', 'hospital_unit', 'victim_lawyer',
    'community_psy', ['shelter_women', { visibility: 'hidden' }],
    ['mobile_unit', { group: 'guanacaste', groupName: 'Guanacaste', area: ['CR-G'] }]],
  [3622716, 'police_unit', 'pani_office', 'hospital_unit', 'legal_clinic', 'clinic'], // Nicoya
  [3621607, 'trafficking_unit', 'clinic', 'municipal_office'], // Santa Cruz
  [3624468, 'clinic', 'pani_office'], // Cañas
  [3621278, 'clinic'], // Tilarán
  [3623258, 'clinic', 'migrant_support'], // La Cruz
  [3624822, 'clinic'], // Bagaces
  [3621990, ['clinic', { status: 'inactive' }]], // Sámara
  // ---------------- Puntarenas (rural) ----------------
  [3622228, // Puntarenas
    'police_unit', 'prosecutor', 'family_court', 'pani_office', 'hospital_unit', 'victim_lawyer',
    'community_psy', ['shelter_refugio', { visibility: 'approximate' }]],
  [3624288, 'youth_center', 'clinic'], // Chacarita
  [3623781, 'clinic'], // Esparza
  [3623369, 'trafficking_unit', 'clinic', ['night_outreach', { hours: 'night_tourist' }]], // Jacó
  [3622193, 'clinic', 'pani_office'], // Quepos
  [3622537, 'clinic'], // Parrita
  [3624593, 'clinic', 'pani_office', ['indigenous_outreach', { languages: ['es', 'bzd', 'cjp'] }]], // Buenos Aires
  [3621501, 'clinic'], // San Vito
  [3623656, 'hospital_unit', 'pani_office'], // Golfito
  [3624066, 'clinic'], // Corredor
  [3624198, 'clinic'], // Ciudad Cortés
  // ---------------- Limón (rural) ----------------
  [3622247, // Limón
    'police_unit', 'prosecutor', 'family_court', 'pani_office', 'hospital_unit', 'victim_lawyer',
    'community_psy', 'youth_center', 'migrant_support', ['shelter_women', { visibility: 'hidden' }]],
  [3623580, 'police_unit', 'pani_office', 'hospital_unit', 'caregiver_group'], // Guápiles
  [3621440, 'clinic', 'pani_office'], // Siquirres
  [3623601, 'clinic'], // Guácimo
  [6946576, 'clinic'], // Cariari
  [3624730, ['indigenous_social', { languages: ['es', 'cjp'] }]], // Batán
  [3621430, 'clinic', ['indigenous_outreach', { languages: ['es', 'bzd'] }], ['indigenous_social', { languages: ['es', 'bzd'] }], 'migrant_support'], // Sixaola
  // ---------------- Northern Alajuela / Heredia (rural) ----------------
  [3622190, // Quesada
    'police_unit', 'prosecutor', 'family_court', 'pani_office', 'hospital_unit', 'legal_clinic',
    'community_psy', ['shelter_luz', { visibility: 'approximate' }]],
  [3623716, 'trafficking_unit', 'clinic'], // La Fortuna
  [3621153, 'clinic', 'pani_office', ['mobile_unit', { group: 'norte', groupName: 'Zona Norte' }]], // Upala
  [3623008, 'clinic', 'migrant_support', ['mobile_unit', { group: 'norte', groupName: 'Zona Norte' }]], // Los Chiles
  [3622382, 'clinic'], // Pital
  [3623093, 'clinic'], // La Virgen (Sarapiquí)
  // ---------------- Southern San José (rural) ----------------
  [3621889, // San Isidro de El General
    'police_unit', 'prosecutor', 'family_court', 'pani_office', 'hospital_unit', 'legal_clinic',
    'community_psy', ['shelter_refugio', { visibility: 'hidden' }]],
  [3623961, 'clinic'], // Daniel Flores
];
