/**
 * Display names for ISO 3166-1 alpha-2 codes on charts and tables. A fixed table rather than
 * `Intl.DisplayNames`, because ICU's names change between Node releases ("Hong Kong SAR China")
 * and the golden files must not. Any code not listed is shown as the code itself.
 */

const NAMES: Readonly<Record<string, string>> = {
  US: 'United States',
  CN: 'China',
  // Shown separately from China by default; the country policy in the chart note says so.
  HK: 'Hong Kong',
  MO: 'Macao',
  TW: 'Taiwan',
  GB: 'United Kingdom',
  DE: 'Germany',
  FR: 'France',
  IT: 'Italy',
  ES: 'Spain',
  NL: 'Netherlands',
  CH: 'Switzerland',
  SE: 'Sweden',
  BE: 'Belgium',
  AT: 'Austria',
  DK: 'Denmark',
  FI: 'Finland',
  NO: 'Norway',
  IE: 'Ireland',
  PT: 'Portugal',
  PL: 'Poland',
  GR: 'Greece',
  RU: 'Russia',
  TR: 'Turkey',
  IL: 'Israel',
  IR: 'Iran',
  SA: 'Saudi Arabia',
  AE: 'United Arab Emirates',
  EG: 'Egypt',
  ZA: 'South Africa',
  NG: 'Nigeria',
  IN: 'India',
  PK: 'Pakistan',
  BD: 'Bangladesh',
  JP: 'Japan',
  KR: 'South Korea',
  SG: 'Singapore',
  MY: 'Malaysia',
  TH: 'Thailand',
  VN: 'Vietnam',
  ID: 'Indonesia',
  AU: 'Australia',
  NZ: 'New Zealand',
  CA: 'Canada',
  MX: 'Mexico',
  BR: 'Brazil',
  AR: 'Argentina',
  CL: 'Chile',
};

export function countryName(code: string): string {
  return NAMES[code] ?? code;
}
