package org.refracturecds.facts;

/** One piece of advice for one vertebra (rules/guidance.drl.csv), with the paper's basis for it. */
public final class Guidance {

    private final String id;
    private final Vertebra vertebra;
    private String text;
    private String strength;
    private String basis;
    private String brief;
    private int cardOrder = Integer.MAX_VALUE;

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
    /** The advice in one sentence, for the card; the whole advice when the table gives none. */
    public String getBrief() { return brief == null || brief.isBlank() ? text : brief; }
    public void setBrief(String brief) { this.brief = brief; }
    /** Where the card puts it: lowest first, and the card shows only the first few. */
    public int getCardOrder() { return cardOrder; }
    public void setCardOrder(int cardOrder) { this.cardOrder = cardOrder; }
    public void setBasis(String basis) { this.basis = basis; }
}
