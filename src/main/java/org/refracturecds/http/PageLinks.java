package org.refracturecds.http;

import java.util.List;

import org.refracturecds.engine.Assessment;

/**
 * Keeps the page of an assessment and gives the link to it: what an assessment card links to. The
 * view face keeps the pages; the host hands it to the faces that write cards, so that neither face
 * knows the other.
 */
@FunctionalInterface
public interface PageLinks {

    /**
     * @param context  what the card is about ("PVP ordered", "After PVP")
     * @param caveats  what the card says before the estimate
     * @return the link to the page, or null when it could not be kept (the card goes without it)
     */
    String link(Assessment assessment, String context, List<String> caveats);

    /** The URL an EHR launches the page at as a SMART app (a card's link of type smart), or null when it is not offered. */
    default String launchUrl() {
        return null;
    }
}
