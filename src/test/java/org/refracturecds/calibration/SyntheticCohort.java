package org.refracturecds.calibration;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Synthetic cohorts whose outcomes follow logit p = a + b x logit p_model for a chosen a and b,
 * p_model computed here from docs/MODEL.md's numbers (not from the rules), so that a fit that
 * recovers a and b also shows that the engine's model is the documented one. No real patient.
 */
public final class SyntheticCohort {

    static final String HEADER = "patient,level,ivc,epd,npec,rr,refracture,months";
    private static final String[] LEVELS = {"T10", "T11", "T12", "L1", "L2"};
    private static final String[] NPEC = {"none", "upper", "lower", "upper-and-lower"};
    private static final double[] NPEC_SHARE = {0.25, 0.25, 0.2, 0.3};

    public record Row(String patient, String level, int ivc, int epd, int npec, double rr, boolean refracture) {

        String csv() {
            return String.join(",", patient, level, Integer.toString(ivc), Integer.toString(epd), NPEC[npec],
                    String.format(Locale.ROOT, "%.1f", rr), refracture ? "1" : "0", refracture ? "9" : "24");
        }
    }

    private SyntheticCohort() {
    }

    /** Prints a synthetic cohort as CSV: {@code N [A B SEED]} (bench/calibrate.sh). */
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        double a = args.length > 1 ? Double.parseDouble(args[1]) : 0.5;
        double b = args.length > 2 ? Double.parseDouble(args[2]) : 0.9;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        System.out.print(csv(generate(n, a, b, seed)));
    }

    /**
     * The published model's logit (docs/MODEL.md): b0 -3.109 + 3.3003 IVC + 1.1725 EPD + 0.6881 NPEC
     * + 1.0784 RR/10, re-anchored to 48/1303 (offset ln[((1 - tau)/tau)(48/45)]).
     */
    static double modelLogit(int ivc, int epd, int npec, double rr) {
        double tau = 48.0 / 1303;
        double offset = Math.log((1 - tau) / tau * (48.0 / 45));
        return -3.109 + 3.3003 * ivc + 1.1725 * epd + 0.6881 * npec + 1.0784 * rr / 10 - offset;
    }

    public static List<Row> generate(int n, double a, double b, long seed) {
        Random random = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int ivc = random.nextDouble() < 0.15 ? 1 : 0;
            int epd = random.nextDouble() < 0.4 ? 1 : 0;
            int npec = pick(random.nextDouble());
            double rr = Math.round((random.nextDouble() * 35 - 5) * 10) / 10.0;
            double logit = a + b * modelLogit(ivc, epd, npec, rr);
            boolean refracture = random.nextDouble() < 1 / (1 + Math.exp(-logit));
            rows.add(new Row(String.format(Locale.ROOT, "SYN-%05d", i + 1), LEVELS[random.nextInt(LEVELS.length)], ivc, epd,
                    npec, rr, refracture));
        }
        return rows;
    }

    /**
     * The same cohort as NDJSON: per treated vertebra the four findings and the outcome
     * ({@code refracture-cemented-vertebra}, valueBoolean), each an Observation with its bodySite.
     */
    static String ndjson(List<Row> rows) {
        StringBuilder json = new StringBuilder();
        for (Row r : rows) {
            String id = r.patient().toLowerCase(Locale.ROOT) + "-" + r.level().toLowerCase(Locale.ROOT);
            json.append(observation(id + "-ivc", r, "intravertebral-cleft", "\"valueBoolean\":" + (r.ivc() == 1)));
            json.append(observation(id + "-epd", r, "endplate-cortical-disruption", "\"valueBoolean\":" + (r.epd() == 1)));
            json.append(observation(id + "-npec", r, "npec-pattern", "\"valueCodeableConcept\":{\"coding\":[{\"system\":"
                    + "\"https://fhir.refracture-cds.org/CodeSystem/npec-pattern\",\"code\":\"" + NPEC[r.npec()] + "\"}]}"));
            json.append(observation(id + "-rr", r, "reduction-rate", String.format(Locale.ROOT, "\"valueQuantity\":{\"value\":"
                    + "%.1f,\"unit\":\"%%\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"%%\"}", r.rr())));
            json.append(observation(id + "-refracture", r, "refracture-cemented-vertebra", "\"valueBoolean\":" + r.refracture()));
        }
        return json.toString();
    }

    static String observation(String id, Row r, String code, String value) {
        org.refracturecds.facts.VertebralLevel level = org.refracturecds.facts.VertebralLevel.valueOf(r.level());
        return "{\"resourceType\":\"Observation\",\"id\":\"" + id + "\",\"status\":\"final\",\"code\":{\"coding\":[{"
                + "\"system\":\"https://fhir.refracture-cds.org/CodeSystem/pvp-findings\",\"code\":\"" + code + "\"}]},"
                + "\"subject\":{\"reference\":\"Patient/" + r.patient() + "\"},\"bodySite\":{\"coding\":[{\"system\":"
                + "\"http://snomed.info/sct\",\"code\":\"" + level.snomedCode + "\"}]}," + value + "}\n";
    }

    public static String csv(List<Row> rows) {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        rows.forEach(r -> csv.append(r.csv()).append('\n'));
        return csv.toString();
    }

    private static int pick(double u) {
        double sum = 0;
        for (int k = 0; k < NPEC_SHARE.length; k++) {
            sum += NPEC_SHARE[k];
            if (u < sum) {
                return k;
            }
        }
        return NPEC_SHARE.length - 1;
    }
}
