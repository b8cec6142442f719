package org.refracturecds.fhirapi;

import java.io.IOException;

import org.refracturecds.http.CorsHeaders;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * CORS for the FHIR face, which Javalin's CORS plugin does not reach (it is a servlet of its own
 * beside Javalin's): the same origins ({@code corsOrigins}) and headers as the CDS Hooks routes. A
 * browser's preflight ({@code OPTIONS} with {@code Access-Control-Request-Method}) from an allowed
 * origin is answered here as Javalin answers one, allowing the method and headers it asks for; every other answer,
 * errors included, carries the headers that let the browser read it.
 */
final class FhirCors implements Filter {

    private final CorsHeaders cors;

    FhirCors(CorsHeaders cors) {
        this.cors = cors;
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) servletRequest;
        HttpServletResponse response = (HttpServletResponse) servletResponse;
        String allowed = cors.allowedOrigin(request.getHeader("Origin"));
        if (allowed == null) {
            chain.doFilter(request, response);
            return;
        }
        response.setHeader("Access-Control-Allow-Origin", allowed);
        response.setHeader("Vary", "Origin");
        response.setHeader("Access-Control-Expose-Headers", CorsHeaders.EXPOSED);
        String method = request.getHeader("Access-Control-Request-Method");
        if ("OPTIONS".equals(request.getMethod()) && method != null) {
            response.setHeader("Access-Control-Allow-Methods", method);
            String headers = request.getHeader("Access-Control-Request-Headers");
            if (headers != null) {
                response.setHeader("Access-Control-Allow-Headers", headers);
            }
            response.setStatus(200);
            return;
        }
        chain.doFilter(request, response);
    }
}
