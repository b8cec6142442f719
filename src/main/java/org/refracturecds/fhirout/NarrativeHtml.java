package org.refracturecds.fhirout;

import org.hl7.fhir.utilities.xhtml.NodeType;
import org.hl7.fhir.utilities.xhtml.XhtmlNode;
import org.refracturecds.engine.Assessment;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.Prediction;

/**
 * The RiskAssessment's narrative: the predictions, the guidance and the warnings, as XHTML.
 * Built as nodes, not parsed from text: the text of rules and input needs no escaping, and
 * HAPI's XHTML parser (costly on every request) is not needed.
 */
final class NarrativeHtml {

    private NarrativeHtml() {
    }

    static XhtmlNode of(Assessment assessment) {
        XhtmlNode div = new XhtmlNode(NodeType.Element, "div");
        div.setAttribute("xmlns", "http://www.w3.org/1999/xhtml");
        div.addTag("p").addText("Risk of refracture of the cemented vertebra within "
                + assessment.calibration().getHorizonMonths() + " months after PVP (Xiong et al. 2021"
                + (assessment.preliminary() ? "; preliminary" : "") + ").");
        XhtmlNode table = div.addTag("table");
        XhtmlNode header = table.addTag("tr");
        for (String heading : new String[] {"Vertebra", "Scenario", "Probability (approximate "
                + assessment.calibration().levelPercent() + " interval)", "Band", "Under the alternative reconstructions"}) {
            header.addTag("th").addText(heading);
        }
        for (Prediction p : assessment.predictions()) {
            XhtmlNode row = table.addTag("tr");
            row.addTag("td").addText(p.getVertebra().getLabel());
            row.addTag("td").addText(p.isHypothetical() ? p.describeAssumptions() : "as observed");
            row.addTag("td").addText(Numbers.probability(p.getProbability()) + " (" + Numbers.probability(p.getLow()) + " to "
                    + Numbers.probability(p.getHigh()) + ")");
            XhtmlNode band = row.addTag("td");
            if (p.getBand() != null) {
                band.addText(p.getBand().getDisplay());
            }
            StringBuilder alternatives = new StringBuilder();
            for (Prediction under : p.getAlternatives()) {
                alternatives.append(alternatives.isEmpty() ? "" : "; ").append(under.getAlternative().getId()).append(' ')
                        .append(Numbers.probability(under.getProbability()));
                if (under.getBand() != null) {
                    alternatives.append(" (").append(under.getBand().getDisplay()).append(')');
                }
            }
            row.addTag("td").addText(alternatives.toString());
        }
        if (!assessment.guidance().isEmpty()) {
            XhtmlNode list = div.addTag("ul");
            for (Guidance g : assessment.guidance()) {
                XhtmlNode item = list.addTag("li");
                item.addText(g.getVertebra().getLabel() + ": " + g.getText() + " ");
                item.addTag("i").addText(g.getBasis());
            }
        }
        for (Notice notice : assessment.notices()) {
            if (notice.severity() == Notice.Severity.WARNING) {
                div.addTag("p").addText("Warning: " + notice.render());
            }
        }
        return div;
    }
}
