package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The surgeon's page in a real browser (headless Chromium), opened from the link of a real card
 * of the running service: checked by meaning, with a screenshot kept under target/.
 */
class ViewPageBrowserTest {

    static final List<String> SECTIONS = List.of("summary", "technique", "factors", "uncertainty", "guidance", "inputs",
            "notices", "limits", "citation");

    @TempDir
    static Path dir;
    static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        service = new RunningService(dir, Map.of("view", Map.of("key", ViewLinkTest.KEY)));
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
    }

    private static String link(String serviceId, String example) throws Exception {
        JsonNode card = CdsServiceTest.only(service.post("/cds-services/" + serviceId, RunningService.example(example))
                .body().path("cards"));
        return ViewLinkTest.pageLink(card);
    }

    private static void screenshot(ChromeDriver browser, String name) throws Exception {
        Files.createDirectories(Path.of("target/screenshots"));
        Files.write(Path.of("target/screenshots", name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void afterPvp_theChartMarksThisPatientsCell_andThePageShowsTheGuidance_withoutErrorsOrRequestsElsewhere() throws Exception {
        ChromeDriver browser = Browser.get();
        browser.manage().logs().get(LogType.BROWSER); // drop what earlier pages logged

        browser.get(link("pvp-refracture-risk", "patient-view.json"));

        WebElement technique = browser.findElement(By.id("technique"));
        WebElement chart = technique.findElement(By.cssSelector("svg[role=img]"));
        assertTrue(chart.getAttribute("aria-label").contains("outlined: this patient's cells"), chart.getAttribute("aria-label"));
        List<WebElement> marked = chart.findElements(By.cssSelector("rect.marked"));
        assertEquals(1, marked.size(), "one observed cell after PVP");
        String cell = marked.get(0).findElement(By.tagName("title")).getAttribute("textContent");
        assertEquals("Cement contacts neither endplate, RR 12.5 pp: 57% (this patient)", cell);
        assertTrue(technique.getText().contains("Outlined: this patient: cement contacts neither endplate, RR 12.5 pp: 57%"),
                technique.getText());
        assertTrue(browser.findElement(By.id("guidance")).getText().contains("Consider follow-up of this vertebra"),
                browser.findElement(By.id("guidance")).getText());
        assertTrue(browser.findElement(By.id("summary")).getText().contains("T11, after PVP: 57%, High"));

        List<LogEntry> console = browser.manage().logs().get(LogType.BROWSER).getAll();
        assertTrue(console.isEmpty(), "no console messages: " + console);
        @SuppressWarnings("unchecked")
        List<String> requested = (List<String>) browser.executeScript("return performance.getEntries()"
                + ".filter(e => e.entryType === 'navigation' || e.entryType === 'resource').map(e => e.name)");
        String host = URI.create(service.base).getAuthority();
        assertFalse(requested.isEmpty());
        for (String url : requested) {
            assertEquals(host, URI.create(url).getAuthority(), "every request stays on the service's host: " + requested);
        }
        Object loaded = browser.executeScript("const n = performance.getEntriesByType('navigation')[0];"
                + " return Math.round(n.loadEventEnd - n.startTime);");
        System.out.println("the page after PVP loaded in the browser in " + loaded + " ms (request to load event)");
        screenshot(browser, "view-after-pvp");
    }

    @Test
    void beforePvp_theChartMarksBothScenarios() throws Exception {
        ChromeDriver browser = Browser.get();

        browser.get(link("pvp-refracture-preop", "order-sign.json"));

        List<WebElement> marked = browser.findElement(By.id("technique")).findElements(By.cssSelector("svg rect.marked"));
        Set<String> cells = new LinkedHashSet<>();
        marked.forEach(m -> cells.add(m.findElement(By.tagName("title")).getAttribute("textContent")));
        assertEquals(Set.of("Cement contacts both endplates, RR 5 pp: 19% (Favourable scenario)",
                "Cement contacts neither endplate, RR 15 pp: 85% (Unfavourable scenario)"), cells);
        assertTrue(browser.findElement(By.id("guidance")).getText().contains("Consider aiming for a cement fill that contacts"
                + " both the upper and the lower endplate"));
        screenshot(browser, "view-before-pvp");
    }

    @Test
    void theKeyboardAlone_reachesEverySection() throws Exception {
        ChromeDriver browser = Browser.get();
        browser.get(link("pvp-refracture-risk", "patient-view.json"));

        Set<String> reached = new LinkedHashSet<>();
        Actions keys = new Actions(browser);
        for (int i = 0; i < 200 && !reached.containsAll(SECTIONS); i++) {
            keys.sendKeys(Keys.TAB).perform();
            Object section = browser.executeScript("const s = document.activeElement.closest('section');"
                    + " return s ? s.id : null;");
            if (section != null) {
                reached.add(section.toString());
            }
        }

        assertTrue(reached.containsAll(SECTIONS), "reached by TAB: " + reached);
    }

    @Test
    void anAlteredLinkAndAnExpiredOne_areRefusedInTheBrowser_withTheirCodes() throws Exception {
        ChromeDriver browser = Browser.get();
        String link = link("pvp-refracture-risk", "patient-view.json");

        int first = link.indexOf("/view/") + "/view/".length();
        browser.get(link.substring(0, first) + (link.charAt(first) == 'x' ? 'y' : 'x') + link.substring(first + 1));
        assertTrue(browser.findElement(By.tagName("main")).getText().contains("PVP-H701"), browser.getPageSource());

        long past = System.currentTimeMillis() / 1000 - 5;
        String id = link.replaceAll(".*/view/([^?]+)\\?.*", "$1");
        browser.get(service.base + "/view/" + id + "?exp=" + past + "&sig=" + ViewLinkTest.sign(id, past));
        assertTrue(browser.findElement(By.tagName("main")).getText().contains("PVP-H702"), browser.getPageSource());
        screenshot(browser, "view-expired");
    }
}
