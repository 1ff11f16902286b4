import { describe, expect, it } from 'vitest';
import { loadConformance } from '../conformance.js';

describe('the OpenAPI validator over DigitalOcean\'s whole spec', () => {
  const { validator } = loadConformance();

  it('compiles the request and response schemas of every operation (nullable, $ref, allOf/oneOf/anyOf)', () => {
    expect(validator).toBeDefined();
    const operations = validator!.operations();
    expect(operations.length).toBeGreaterThan(600);
    const failures: string[] = [];
    for (const operation of operations) {
      const match = { ...operation, pathParams: {} };
      try {
        validator!.validateRequest(match, { query: new URLSearchParams(), body: {} });
        for (const status of [200, 201, 202, 204, 400, 401, 404, 422, 429, 500]) validator!.validateResponse(match, status, {});
      } catch (error) {
        failures.push(`${operation.operationId}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('treats OpenAPI 3.0 nullable as allowing null, and only where declared', () => {
    const match = validator!.findOperation('GET', '/v2/droplets/1')!;
    const droplet = { id: 1, name: 'x', memory: 1024, vcpus: 1, disk: 25, locked: false, status: 'active', created_at: '2026-01-01T00:00:00Z', features: [], backup_ids: [], snapshot_ids: [], image: {}, volume_ids: [], size: { slug: 's', memory: 1024, vcpus: 1, disk: 25, transfer: 1, price_monthly: 6, price_hourly: 0.01, regions: [], available: true, description: 'Basic' }, size_slug: 's', networks: { v4: [], v6: [] }, region: { name: 'fra1', slug: 'fra1', features: [], available: true, sizes: [] }, tags: [] };
    expect(validator!.validateResponse(match, 200, { droplet: { ...droplet, next_backup_window: null } })).toEqual([]);
    expect(validator!.validateResponse(match, 200, { droplet: { ...droplet, next_backup_window: null, name: null } }).join()).toContain('/droplet/name must be string');
  });
});
