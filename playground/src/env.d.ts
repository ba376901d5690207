declare module 'virtual:mnist-subset' {
  export const count: number;
  export const images: string;
  export const labels: string;
}
