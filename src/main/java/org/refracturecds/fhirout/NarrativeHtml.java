package org.refracturecds.fhirout;

import org.refracturecds.engine.Assessment;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.Prediction;

/** The RiskAssessment's narrative: the predictions, the guidance and the warnings, as XHTML. */
final class NarrativeHtml {

    private NarrativeHtml() {
    }

    static String of(Assessment assessment) {
        StringBuilder html = new StringBuilder("<div xmlns=\"http://www.w3.org/1999/xhtml\">");
        html.append("<p>Risk of refracture of the cemented vertebra within ")
                .append(assessment.calibration().getHorizonMonths()).append(" months after PVP (Xiong et al. 2021")
                .append(assessment.preliminary() ? "; preliminary" : "").append(").</p>");
        html.append("<table><tr><th>Vertebra</th><th>Scenario</th><th>Probability (95% interval)</th><th>Band</th></tr>");
        for (Prediction p : assessment.predictions()) {
            html.append("<tr><td>").append(escape(p.getVertebra().getLabel())).append("</td><td>")
                    .append(escape(p.isHypothetical() ? p.describeAssumptions() : "as observed")).append("</td><td>")
                    .append(Numbers.percent(p.getProbability())).append(" (").append(Numbers.percent(p.getLow()))
                    .append(" to ").append(Numbers.percent(p.getHigh())).append(")</td><td>")
                    .append(p.getBand() == null ? "" : escape(p.getBand().getDisplay())).append("</td></tr>");
        }
        html.append("</table>");
        if (!assessment.guidance().isEmpty()) {
            html.append("<ul>");
            for (Guidance g : assessment.guidance()) {
                html.append("<li>").append(escape(g.getVertebra().getLabel() + ": " + g.getText()))
                        .append(" <i>").append(escape(g.getBasis())).append("</i></li>");
            }
            html.append("</ul>");
        }
        for (Notice notice : assessment.notices()) {
            if (notice.severity() == Notice.Severity.WARNING) {
                html.append("<p>Warning: ").append(escape(notice.render())).append("</p>");
            }
        }
        return html.append("</div>").toString();
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
