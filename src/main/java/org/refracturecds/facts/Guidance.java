package org.refracturecds.facts;

/** One piece of advice for one vertebra (rules/guidance.drl.csv), with the paper's basis for it. */
public final class Guidance {

    private final String id;
    private final Vertebra vertebra;
    private String text;
    private String strength;
    private String basis;

    public Guidance(String id, Vertebra vertebra) {
        this.id = id;
        this.vertebra = vertebra;
    }

    public String getId() { return id; }
    public Vertebra getVertebra() { return vertebra; }
    public String getText() { return text; }
    public void setText(String text) { this.text = text; }
    /** How strong the paper's support is, e.g. "independent risk factor (Table 2)". */
    public String getStrength() { return strength; }
    public void setStrength(String strength) { this.strength = strength; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }
}
