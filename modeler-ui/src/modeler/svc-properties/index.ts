import SvcPropertiesProvider from './SvcPropertiesProvider';

export default {
  __init__: ['svcPropertiesProvider'],
  svcPropertiesProvider: ['type', SvcPropertiesProvider],
};
