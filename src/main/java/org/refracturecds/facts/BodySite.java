package org.refracturecds.facts;

import java.util.Locale;

/**
 * One way an Observation's or an order's bodySite may name a vertebra (rules/vocabulary.drl.csv):
 * a coding (system and code) or, with the system {@code text}, the words of bodySite.text.
 */
public final class BodySite {

    /** The "system" of a row that matches bodySite.text rather than a coding. */
    public static final String TEXT = "text";

    private final String system;
    private String code;
    private String level;
    private String basis;

    public BodySite(String system) {
        this.system = system;
    }

    public String getSystem() { return system; }
    public String getCode() { return code; }
    public void setCode(String code) { this.code = code; }
    /** The vertebra, T4 to L5. */
    public String getLevel() { return level; }
    public void setLevel(String level) { this.level = level; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }

    public boolean isText() {
        return TEXT.equals(system);
    }

    /** True for a coding with this row's system and code. */
    public boolean matches(String codingSystem, String codingCode) {
        return !isText() && system.equals(codingSystem) && code.equals(codingCode);
    }

    /** True for bodySite.text equal to this row's words, ignoring case and spaces around and between. */
    public boolean matchesText(String text) {
        return isText() && text != null && words(text).equals(words(code));
    }

    private static String words(String text) {
        return text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }
}
