// dcmjs ships no type declarations; modules that use it type the parts they need.
declare module 'dcmjs';
