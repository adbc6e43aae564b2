// taxonomy.json: the built-in "referral-category" taxonomy with labels in en/es/pt/fr.
import { uuidv5 } from './util.mjs';

export const TAXONOMY_NAME = 'referral-category';

export const TERMS = [
  {
    code: 'police',
    name: 'Specialised police unit',
    description: 'Police units trained to receive reports of sexual abuse and exploitation of children, protect the child and investigate.',
    labels: { en: 'Specialised police unit', es: 'Unidad policial especializada', pt: 'Unidade policial especializada', fr: 'Unité de police spécialisée' },
  },
  {
    code: 'helpline',
    name: 'Child helpline',
    description: 'Free, confidential telephone, text or chat lines where children and caregivers can talk, get advice and be referred.',
    labels: { en: 'Child helpline', es: 'Línea de ayuda a la niñez', pt: 'Linha de ajuda à criança', fr: "Ligne d'écoute pour enfants" },
  },
  {
    code: 'legal_aid',
    name: 'Legal aid',
    description: 'Free or low-cost legal advice and representation for child victims and their families.',
    labels: { en: 'Legal aid', es: 'Asistencia jurídica', pt: 'Assistência jurídica', fr: 'Aide juridique' },
  },
  {
    code: 'social_services',
    name: 'Social services and child protection',
    description: 'Social workers and child protection offices that assess risk, take protective measures and coordinate care.',
    labels: { en: 'Social services and child protection', es: 'Servicios sociales y protección infantil', pt: 'Serviços sociais e proteção infantil', fr: "Services sociaux et protection de l'enfance" },
  },
  {
    code: 'health',
    name: 'Health care',
    description: 'Medical care after sexual violence: emergency care, forensic examination, prevention of HIV and pregnancy, follow-up.',
    labels: { en: 'Health care', es: 'Atención de salud', pt: 'Atendimento de saúde', fr: 'Soins de santé' },
  },
  {
    code: 'psychosocial',
    name: 'Psychosocial support',
    description: 'Counselling, psychotherapy and peer or family support to help children and caregivers recover.',
    labels: { en: 'Psychosocial support', es: 'Apoyo psicosocial', pt: 'Apoio psicossocial', fr: 'Soutien psychosocial' },
  },
  {
    code: 'shelter',
    name: 'Safe shelter',
    description: 'Safe, often confidential, residential care or emergency accommodation for children at risk and protective caregivers.',
    labels: { en: 'Safe shelter', es: 'Albergue seguro', pt: 'Abrigo seguro', fr: "Centre d'hébergement sécurisé" },
  },
  {
    code: 'online_reporting',
    name: 'Online reporting channel',
    description: 'Hotlines and forms to report child sexual abuse material, grooming or sextortion online and have content removed.',
    labels: { en: 'Online reporting channel', es: 'Canal de denuncia en línea', pt: 'Canal de denúncia online', fr: 'Canal de signalement en ligne' },
  },
  {
    code: 'justice',
    name: 'Justice and prosecution',
    description: 'Prosecutors, courts and child-friendly justice services such as forensic interviews and victim accompaniment.',
    labels: { en: 'Justice and prosecution', es: 'Justicia y fiscalía', pt: 'Justiça e Ministério Público', fr: 'Justice et poursuites' },
  },
];

export function buildTaxonomy() {
  return {
    taxonomies: [
      {
        id: uuidv5(`taxonomy:${TAXONOMY_NAME}`),
        name: TAXONOMY_NAME,
        description: 'Categories of support services for children facing sexual exploitation and abuse, online and offline.',
        uri: `https://referral.example.org/taxonomies/${TAXONOMY_NAME}`,
        version: '1.0',
        terms: TERMS.map((t) => ({
          id: uuidv5(`taxonomy-term:${TAXONOMY_NAME}:${t.code}`),
          code: t.code,
          name: t.name,
          description: t.description,
          labels: t.labels,
        })),
      },
    ],
  };
}
