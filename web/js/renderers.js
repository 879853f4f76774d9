// The views the page offers, by the name the URL's `view` and the view picker
// use. A view is one renderer class (see render-instances.js for the shape):
// adding one means a file and a line here.

import { InstancesRenderer } from './render-instances.js';
import { ServicesRenderer } from './render-services.js';
import { DeathStarRenderer } from './render-deathstar.js';

export const RENDERERS = {
  instances: InstancesRenderer,
  services: ServicesRenderer,
  deathstar: DeathStarRenderer,
};
