/**
 * CONSTRUCTED records (hand-written to exercise one rule or trap), not taken from OpenAlex. Used
 * by the TypeScript tests and by the SQL agreement test, so both engines face every trap.
 */
import { fileURLToPath } from 'node:url';

/** The strict variant of the shipped rule (same lists, stronger medical half). */
export const STRICT_KEYWORDS_DIR = fileURLToPath(new URL('../../data/keywords-strict/', import.meta.url));

export type Case = [name: string, title: string | null, abstract: string | null, isAi: boolean, isMedical: boolean, mustMatch: string[]];

// Constructed records: [what it tests, title, abstract, AI half, medical half, terms that must be reported].
export const cases: Case[] = [
  ['both halves in the title', 'Deep learning for detecting pneumonia in chest radiographs', null, true, true, ['ai:deep learning', 'medical:pneumonia', 'medical:radiograph']],
  ['AI half only', 'A survey of convolutional neural networks for image recognition', null, true, false, ['ai:neural network']],
  ['medical half only', 'Outcomes of patients after hip surgery', null, false, true, ['medical:patient', 'medical:surgery']],
  ['neither', 'Soil nitrogen in alpine meadows', 'We sampled 40 plots.', false, false, []],
  ['halves split between title and abstract', 'Random forests revisited', 'Applied to hospital admissions.', true, true, ['ai:random forest', 'medical:hospital']],
  ['null title, abstract only', null, 'Machine learning predicts sepsis.', true, true, ['ai:machine learning', 'medical:sepsis']],
  ['both fields null', null, null, false, false, []],
  // Hyphen and space variants, case.
  ['hyphenated phrase', 'A deep-learning model of tumour growth', null, true, true, ['ai:deep learning', 'medical:tumour']],
  ['upper case phrase', 'MACHINE LEARNING IN CARDIOLOGY', null, true, true, ['ai:machine learning', 'medical:cardiology']],
  ['en dash between words', 'Machine\u2013learning triage in the emergency department', null, true, true, ['ai:machine learning', 'medical:emergency department']],
  ['line break between words', 'Support vector\nmachines for diagnosis', null, true, true, ['ai:support vector machine', 'medical:diagnosis']],
  ['phrase does not span title and abstract', 'Going deep', 'learning from patients', false, true, ['medical:patient']],
  // Plurals.
  ['plural -s', 'Neural networks and clinicians', null, true, true, ['ai:neural network', 'medical:clinician']],
  ['plural -ies', 'Large language models and therapies', null, true, true, ['ai:large language model', 'medical:therapy']],
  ['plural -sis/-ses', 'Transformers improve differential diagnoses', null, true, true, ['ai:transformer', 'medical:diagnosis']],
  ['no stem matching beyond plurals', 'Learned therapeuticals', null, false, false, []],
  // British spellings.
  ['British tumour/paediatric', 'Artificial intelligence in paediatric tumours', null, true, true, ['ai:artificial intelligence', 'medical:paediatric', 'medical:tumour']],
  ['British self-organising / neighbour', 'Self-organising maps and k-nearest neighbours for anaemia', null, true, true, ['ai:k-nearest neighbour', 'ai:self-organising map', 'medical:anaemia']],
  ['British language modelling', 'Language modelling of haematology reports', null, true, true, ['ai:language modelling', 'medical:haematology']],
  // Word boundaries.
  ['no match inside a longer word', 'Maintained pain in patients who said so', null, false, true, ['medical:patient']],
  ['ANN is case-sensitive: not Ann', 'Ann Arbor hospital study', null, false, true, ['medical:hospital']],
  ['ANN acronym', 'An ANN for ICU mortality', null, true, true, ['ai:ANN', 'medical:ICU']],
  // Trap: bare "AI".
  ['AI acronym counts', 'AI in radiology', null, true, true, ['ai:AI', 'medical:radiology']],
  ['lower-case "ai" is not AI', 'The ai of the Maori healer', 'patients', false, true, ['medical:patient']],
  ['AI = aortic insufficiency', 'Severe AI after valve repair', 'Patients with aortic insufficiency (AI) were followed.', false, true, ['medical:patient']],
  ['AI = artificial insemination', 'AI in dairy cows', 'Artificial insemination (AI) success and uterine disease.', false, true, ['medical:disease']],
  ['AI = aromatase inhibitor', 'Adherence to AI therapy', 'Aromatase inhibitors (AIs) in breast cancer.', false, true, ['medical:cancer', 'medical:therapy']],
  ['acronym spelled out as something else', 'Neem extract trial', 'Azadirachta indica (AI) lowered parasitaemia in malaria patients.', false, true, ['medical:malaria', 'medical:patient']],
  ['acronym spelled out as something else, plural', 'Outcomes', 'Aromatase-inhibitors (AIs) in cancer.', false, true, ['medical:cancer']],
  ['acronym spelled out as itself: the phrase counts', 'Diagnosis', 'We used Artificial Intelligence (AI) in hospitals.', true, true, ['ai:artificial intelligence', 'medical:hospital']],
  ['acronym with hyphenated expansion', 'Long short-term memory (LSTM) for sepsis', null, true, true, ['ai:long short-term memory', 'medical:sepsis']],
  ['acronym used without definition still counts', 'An LSTM for sepsis', null, true, true, ['ai:LSTM', 'medical:sepsis']],
  ['AI vetoed, artificial intelligence still counts', 'Artificial intelligence to grade AI', 'Aortic insufficiency (AI) in patients.', true, true, ['ai:artificial intelligence', 'medical:patient']],
  // Trap: CNN the news network.
  ['CNN beside other news outlets is the broadcaster', 'Press coverage of the measles outbreak', 'Stories ran on CNN, Fox News and in the New York Times; patients were interviewed.', false, true, ['medical:patient']],
  ['CNN as a network of layers still counts', 'A CNN for skin cancer', 'Dermoscopic images of 2,000 patients.', true, true, ['ai:CNN', 'medical:cancer', 'medical:patient']],
  // Trap: biological neural networks.
  ['biological neural network masked', 'Neural network activity in the hippocampus of epilepsy patients', null, false, true, ['medical:epilepsy', 'medical:patient']],
  ['neural networks of the brain masked', 'Neural networks of the brain in schizophrenia', null, false, true, ['medical:schizophrenia']],
  ['computing neural network kept beside a masked one', 'A neural network model of neural network activity in epilepsy', null, true, true, ['ai:neural network', 'medical:epilepsy']],
  // Trap: surgical robotics is not AI.
  ['robotic surgery is not AI', 'Robotic surgery versus laparoscopy in rectal cancer', null, false, true, ['medical:cancer', 'medical:surgery']],
  ['robot-assisted is not AI', 'Robot-assisted prostatectomy outcomes', 'Patients treated with a surgical robot.', false, true, ['medical:patient', 'medical:surgical']],
  // Trap: plain "learning".
  ['plain learning is not AI', 'Learning curve of endoscopic surgery', 'Residents learning to operate on patients.', false, true, ['medical:patient', 'medical:surgery']],
  ['deep learning as a study approach', 'Deep learning in medical students', 'Students shifted from a surface approach to deep learning.', false, true, ['medical:medical']],
  // Non-medical uses of medical words.
  ['machine fault diagnosis is not medical', 'Deep learning for bearing fault diagnosis', null, true, false, ['ai:deep learning']],
  ['plant disease is not medical', 'CNNs detect plant diseases in leaves', null, true, false, ['ai:CNN']],
  ['transformer-2 splicing factor is not AI', 'Transformer-2 beta regulates splicing in cancer', null, false, true, ['medical:cancer']],
  ['diagnose as a generic verb is not medicine', 'Large language models', 'We diagnose the challenges of current LLMs.', true, false, ['ai:LLM']],
  ['drug trafficking is not medicine', 'Machine learning maps drug trafficking routes', null, true, false, ['ai:machine learning']],
  ['computer vision syndrome is a disease, not AI', 'Computer vision syndrome among nurses', null, false, true, ['medical:nurse']],
  // Chinese, no word boundaries.
  ['Chinese title', '基于深度学习的肺癌诊断', null, true, true, ['ai:深度学习', 'medical:癌', 'medical:诊断']],
  ['traditional Chinese', '人工智慧於臨床醫學之應用', null, true, true, ['ai:人工智慧', 'medical:臨床', 'medical:醫學']],
  ['Chinese and English mixed', 'Machine learning 模型预测患者预后', null, true, true, ['ai:machine learning', 'medical:患者']],
  // Chinese traps, masked as substrings.
  ['Chinese machine fault diagnosis is not medical', '基于深度学习的滚动轴承故障诊断方法', null, true, false, ['ai:深度学习']],
  ['traditional Chinese fault diagnosis is not medical', '以深度學習進行馬達故障診斷', null, true, false, ['ai:深度學習']],
  ['fault diagnosis masked, a real diagnosis kept', '深度学习用于故障诊断与肺癌诊断', null, true, true, ['ai:深度学习', 'medical:癌', 'medical:诊断']],
  ['Chinese biological neural network is not AI', '癫痫患者的脑神经网络连接', null, false, true, ['medical:患者']],
  ['Chinese radioactive waste is not radiology', '机器学习预测放射性废物的迁移', null, true, false, ['ai:机器学习']],
  ['Chinese radiology still counts', '人工智能在放射科影像中的应用', null, true, true, ['ai:人工智能', 'medical:放射']],
  ['Chinese plant pathology is not medical', '深度学习与植物病理图像', null, true, false, ['ai:深度学习']],
  ['Chinese computer vision syndrome is not AI', '护理人员的计算机视觉综合征', null, false, true, ['medical:护理']],
];


/**
 * CONSTRUCTED records for the strict rule (data/keywords-strict: the medical half needs a medical
 * term in the title or two different medical terms). Same shape as `cases`; a term listed in
 * mustMatch is reported even when its half is off.
 */
export const strictCases: Case[] = [
  ['one medical word in the abstract is not enough', 'Deep learning for image recognition', 'Applications include medicine and robotics.', true, false, ['medical:medicine']],
  ['one medical term in the title is enough', 'Deep learning in radiology', 'We train networks on images.', true, true, ['medical:radiology']],
  ['two different medical terms in the abstract', 'A neural network study', 'Patients with sepsis were followed.', true, true, ['medical:patient', 'medical:sepsis']],
  ['the same term twice is one term', 'A neural network study', 'Patients, and more patients.', true, false, ['medical:patient']],
  ['a term inside a longer matched term is not a second term', 'Graph neural networks', 'Used in drug discovery.', true, false, ['medical:drug', 'medical:drug discovery']],
  ['the shorter term elsewhere still does not count twice', 'Graph neural networks', 'Used in drug discovery and for drug safety.', true, false, ['medical:drug', 'medical:drug discovery']],
  ['a masked title phrase is not a title term', 'Fault diagnosis with deep learning', 'The hospital generator failed.', true, false, ['medical:hospital']],
  ['a title-only work with one medical term', 'Machine learning for medicine', null, true, true, ['medical:medicine']],
  ['Chinese term in the title', '深度学习与医学', null, true, true, ['medical:医学']],
  ['the same Chinese term twice is one term', '深度学习综述', '应用于医学与医学影像', true, false, ['medical:医学']],
  ['the AI half is as before: one term anywhere', 'Outcomes of patients after sepsis', 'A random forest was fitted.', true, true, ['ai:random forest']],
];

/**
 * CONSTRUCTED texts where the two regex engines could differ if the patterns leaned on engine
 * defaults: Unicode case folding (Kelvin sign, long s, dotted I), Unicode spaces and line
 * separators (\s), underscores (\b), non-ASCII letters beside a term.
 */
export const edgeTexts = [
  'dee\u212a learning and \u212Ann', // KELVIN SIGN folds to k in RE2 (?i), not in JS
  'machine learning with \u017Fupport vector machines', // LONG S folds to s in RE2 (?i)
  'D\u0130agnos\u0130s by AI', // DOTTED CAPITAL I
  'deep\u2028learning', // LINE SEPARATOR: \s in JS only
  'deep\u2003learning', // EM SPACE: \s in JS only
  'deep\u00a0learning', // NO-BREAK SPACE: listed separator
  'deep\u2014learning', // EM DASH: not a separator
  'deep_learning and machine_learning', // underscore is a word character for \b
  'réseau neural network\u00e9', // non-ASCII letters next to a term: \b sees a boundary
  'AI\u0301 and CNN\u00e9', // combining accent after an acronym
  'ChatGPT\u{1F600} and LLMs\u{1F600}', // astral characters beside terms
  '深度学习\u3000医学', // ideographic space between Chinese terms
];
